package identity

import "testing"

func TestValidateIDNumber(t *testing.T) {
	tests := []struct {
		in    string
		valid bool
	}{
		{"11010519491231002X", true},  // the example in GB 11643-1999
		{"11010519491231002x", true},  // lower-case x is normalised
		{"110105194912310021", false}, // wrong check digit
		{"11010519491331002X", false}, // month 13
		{"1101051949123100", false},   // too short
		{"A1010519491231002X", false},
	}
	for _, tt := range tests {
		_, err := ValidateIDNumber(tt.in)
		if (err == nil) != tt.valid {
			t.Errorf("ValidateIDNumber(%q) err = %v, want valid=%v", tt.in, err, tt.valid)
		}
	}
}

func TestValidatePhone(t *testing.T) {
	for in, valid := range map[string]bool{
		"13800000001": true, "19912345678": true, "12800000001": false,
		"1380000000": false, "1380000000a": false, "+8613800000001": false,
	} {
		if err := ValidatePhone(in); (err == nil) != valid {
			t.Errorf("ValidatePhone(%q) err = %v, want valid=%v", in, err, valid)
		}
	}
}

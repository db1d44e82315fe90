package identity

import "testing"

func withCheck(first17 string) string {
	c, _ := IDCheckDigit(first17)
	return first17 + string(c)
}

func TestValidateDocument(t *testing.T) {
	tests := []struct {
		t      DocumentType
		number string
		reason string // "" = valid
	}{
		{ResidentID, "11010519491231002X", ""},
		{ResidentID, "11010519491231002x", ""},
		{ResidentID, "110105194912310021", "bad_checksum"},
		{ResidentID, "110105194913310021", "impossible_birth_date"},
		{ResidentID, "1101051949123100", "wrong_length"},
		{ResidentID, "11010519491231002Y", "bad_characters"},
		{ResidentID, withCheck("81000019900101123"), "wrong_prefix"}, // a HK residence permit
		{ResidencePermit, withCheck("81000019900101123"), ""},
		{ResidencePermit, withCheck("83000019850615234"), ""},
		{ResidencePermit, withCheck("11010519900101123"), "wrong_prefix"},
		{ResidencePermit, withCheck("81000019900231123"), "impossible_birth_date"},
		{HomeReturn, "H12345678", ""},
		{HomeReturn, "M1234567801", ""},
		{HomeReturn, "h 1234 5678", ""},
		{HomeReturn, "X12345678", "wrong_prefix"},
		{HomeReturn, "H1234567", "wrong_length"},
		{TaiwanPermit, "12345678", ""},
		{TaiwanPermit, "1234567890", ""},
		{TaiwanPermit, "1234567890(B)", ""},
		{TaiwanPermit, "1234567", "wrong_length"},
		{ForeignPermanent, "USA110060123456", ""},
		{ForeignPermanent, "US1110060123456", "bad_characters"},
		{ForeignPermanent, withCheck("93184019850615123"), ""},
		{ForeignPermanent, withCheck("83184019850615123"), "wrong_prefix"},
		{ForeignPermanent, "931840198506151230", "bad_checksum"},
		{ForeignPermanent, "1234", "wrong_length"},
		{Passport, "E12345678", ""},
		{Passport, "E1", "wrong_length"},
		{Passport, "E1234567#", "wrong_length"},
		{DocumentType("drivers_licence"), "x", "unknown_type"},
	}
	for _, tt := range tests {
		d, p := ValidateDocument(tt.t, tt.number)
		got := ""
		if p != nil {
			got = p.Reason
			if p.Message == "" || p.MessageEn == "" {
				t.Errorf("%s %q: problem without a message", tt.t, tt.number)
			}
		}
		if got != tt.reason {
			t.Errorf("%s %q: reason %q, want %q", tt.t, tt.number, got, tt.reason)
		}
		if p == nil && d.Number == "" {
			t.Errorf("%s %q: valid without a number", tt.t, tt.number)
		}
	}
	d, _ := ValidateDocument(ResidentID, "11010519491231002X")
	if d.Birth != "1949-12-31" || d.Sex != "female" {
		t.Errorf("resident id read as %+v", d)
	}
}

func FuzzValidateDocument(f *testing.F) {
	f.Add("resident_id", "11010519491231002X")
	f.Add("home_return_permit", "H12345678")
	f.Fuzz(func(t *testing.T, typ, number string) {
		d, p := ValidateDocument(DocumentType(typ), number)
		if (d == nil) == (p == nil) {
			t.Fatalf("ValidateDocument(%q, %q) = %v, %v: exactly one must be set", typ, number, d, p)
		}
	})
}

// Package identity knows who a person is: their insured record's identity
// fields, how they prove it (SMS code for now; face, e-card password and the
// national login follow), and the sessions that result.
package identity

import (
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
)

// PersonType is the contribution category of an insured person.
type PersonType string

// The person types shebao serves online (see the glossary in docs/product.md).
const (
	Flexible PersonType = "flexible" // 灵活就业人员
	Resident PersonType = "resident" // 城乡居民
)

// Person is an insured person (参保人) with personal data already opened.
// Only identity code ever holds the full values; pages and logs use the
// masked ones.
type Person struct {
	ID          string
	Region      string // GB/T 2260 code of the insuring region
	Type        PersonType
	Name        string
	IDNumber    string
	Phone       string
	NameMasked  string
	IDMasked    string
	PhoneMasked string
	OpenID      string // the person's openid for the official account (web pages in WeChat, JSAPI payment there)
	MiniOpenID  string // the person's openid for the mini-program (its own app id)
	CreatedAt   time.Time
}

// PersonRecord is a person as stored: personal fields sealed, with blind
// indexes for exact lookups.
type PersonRecord struct {
	ID          string
	Region      string
	Type        PersonType
	NameSealed  []byte
	IDSealed    []byte
	PhoneSealed []byte
	IDIndex     []byte
	PhoneIndex  []byte
	NameMasked  string
	IDMasked    string
	PhoneMasked string
	OpenID      string
	MiniOpenID  string
	CreatedAt   time.Time
}

// Enrolment is one insurance type a person is insured for (参保险种).
type Enrolment struct {
	PersonID  string
	Insurance string // aae140 code
	Status    string // active | suspended
	Since     string // YYYY-MM
	// Base is the person's chosen contribution base for range schemes:
	// "floor", "ceiling" or an amount in fen as decimal digits.
	Base string
}

// ValidatePhone checks a mainland mobile number: 11 digits starting 1[3-9].
func ValidatePhone(phone string) error {
	ok := len(phone) == 11 && phone[0] == '1' && phone[1] >= '3' && phone[1] <= '9'
	for _, r := range phone {
		ok = ok && r >= '0' && r <= '9'
	}
	if !ok {
		return apperr.New(apperr.Invalid, "phone_invalid",
			"手机号格式不正确，请输入11位中国大陆手机号，例如13800000001。",
			"The phone number is not valid: enter an 11-digit mainland China mobile number such as 13800000001.").WithField("phone")
	}
	return nil
}

// idWeights and idCheck implement the check digit of GB 11643-1999 (citizen
// identity number): weights 2^(17-i) mod 11 and the mapping of the weighted
// sum mod 11 to 1 0 X 9 8 7 6 5 4 3 2.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheck = "10X98765432"

// IDCheckDigit returns the GB 11643 check character for the first 17 digits.
func IDCheckDigit(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheck[sum%11], true
}

// ValidateIDNumber checks an 18-character resident identity number: digits,
// a real birth date, and the GB 11643 check character (an x is accepted as X).
func ValidateIDNumber(id string) (string, error) {
	id = strings.ToUpper(strings.TrimSpace(id))
	bad := apperr.New(apperr.Invalid, "id_number_invalid",
		"身份证号码不正确：应为18位，最后一位可以是X，请核对后重新输入。",
		"The ID number is not valid: it has 18 characters, the last may be X. Please check and enter it again.").WithField("id_number")
	if len(id) != 18 {
		return "", bad
	}
	want, ok := IDCheckDigit(id[:17])
	if !ok || want != id[17] {
		return "", bad
	}
	if _, err := time.Parse("20060102", id[6:14]); err != nil {
		return "", bad
	}
	return id, nil
}

// DisplayPrefs are how a person likes the pages: care mode (关怀模式), its
// voice, and the language. Kept with the person so a family member who
// turns care mode on for a parent on one phone turns it on wherever the
// parent signs in; the console counts how many use care mode.
type DisplayPrefs struct {
	Care  bool
	Voice bool
	Lang  string // "", "zh-CN" or "en"
}

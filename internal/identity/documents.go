package identity

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// DocumentType names an identity document shebao accepts (seed §6: mainland
// residents, HK/Macau/Taiwan residents, foreigners in the Shenzhen pilot).
type DocumentType string

// The documents, as the API names them.
const (
	ResidentID       DocumentType = "resident_id"                 // 居民身份证, GB 11643-1999
	ResidencePermit  DocumentType = "residence_permit"            // 港澳台居民居住证: GB 11643 layout, region 810000/820000/830000
	HomeReturn       DocumentType = "home_return_permit"          // 港澳居民来往内地通行证 (回乡证)
	TaiwanPermit     DocumentType = "taiwan_permit"               // 台湾居民来往大陆通行证 (台胞证)
	ForeignPermanent DocumentType = "foreign_permanent_residence" // 外国人永久居留身份证, 2004 and 2023 formats
	Passport         DocumentType = "passport"
)

// DocumentTypes lists them in the order forms show them.
var DocumentTypes = []DocumentType{ResidentID, ResidencePermit, HomeReturn, TaiwanPermit, ForeignPermanent, Passport}

// Names in Chinese and English, for messages.
var documentNames = map[DocumentType][2]string{
	ResidentID:       {"居民身份证", "resident identity card"},
	ResidencePermit:  {"港澳台居民居住证", "residence permit for Hong Kong, Macao and Taiwan residents"},
	HomeReturn:       {"港澳居民来往内地通行证", "Mainland travel permit for Hong Kong and Macao residents"},
	TaiwanPermit:     {"台湾居民来往大陆通行证", "Mainland travel permit for Taiwan residents"},
	ForeignPermanent: {"外国人永久居留身份证", "foreigner's permanent residence ID card"},
	Passport:         {"护照", "passport"},
}

// DocumentProblem says why a number is not valid for its type, with a
// stable reason code and a message in both languages.
type DocumentProblem struct {
	Reason    string // wrong_length, bad_characters, bad_checksum, impossible_birth_date, wrong_prefix, unknown_type
	Message   string
	MessageEn string
}

// Document is a validated document number with what it reveals.
type Document struct {
	Type   DocumentType `json:"type"`
	Number string       `json:"number"` // normalised: upper case, no spaces
	Birth  string       `json:"birth,omitempty"`
	Sex    string       `json:"sex,omitempty"` // "male" | "female", where the number encodes it
	Issuer string       `json:"issuer,omitempty"`
}

var (
	homeReturnRe = regexp.MustCompile(`^[HM][0-9]{8}([0-9]{2})?$`)
	taiwanRe     = regexp.MustCompile(`^[0-9]{8}$|^[0-9]{10}[A-Z]?$`)
	foreignOldRe = regexp.MustCompile(`^[A-Z]{3}[0-9]{12}$`)
	passportRe   = regexp.MustCompile(`^[A-Z0-9]{5,17}$`)
	digitsX      = regexp.MustCompile(`^[0-9]{17}[0-9X]$`)
)

// ValidateDocument checks a number against the rules of its document type.
func ValidateDocument(t DocumentType, number string) (*Document, *DocumentProblem) {
	names, ok := documentNames[t]
	if !ok {
		return nil, &DocumentProblem{"unknown_type", "不支持的证件类型。", "Unknown document type."}
	}
	n := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(number), " ", ""))
	n = strings.NewReplacer("(", "", ")", "", "（", "", "）", "").Replace(n)
	d := &Document{Type: t, Number: n}
	bad := func(reason, zh, en string) (*Document, *DocumentProblem) {
		return nil, &DocumentProblem{reason, names[0] + "号码" + zh, "The " + names[1] + " number " + en}
	}
	switch t {
	case ResidentID, ResidencePermit:
		if len(n) != 18 {
			return bad("wrong_length", fmt.Sprintf("应为18位，您输入了%d位。", len(n)), fmt.Sprintf("has 18 characters; %d were given.", len(n)))
		}
		if !digitsX.MatchString(n) {
			return bad("bad_characters", "只能是数字，最后一位可以是X。", "may only have digits, and X as the last character.")
		}
		hkmoTW := n[:2] == "81" || n[:2] == "82" || n[:2] == "83"
		if t == ResidencePermit && (!hkmoTW || n[2:6] != "0000") {
			return bad("wrong_prefix", "应以810000（香港）、820000（澳门）或830000（台湾）开头。", "starts with 810000 (Hong Kong), 820000 (Macao) or 830000 (Taiwan).")
		}
		if t == ResidentID && hkmoTW {
			return bad("wrong_prefix", "以81/82/83开头的是港澳台居民居住证，请选择该证件类型。", "starting 81/82/83 belongs to a residence permit for Hong Kong, Macao and Taiwan residents; choose that type.")
		}
		return gb11643(d, n, bad)
	case HomeReturn:
		if !homeReturnRe.MatchString(n) {
			if n != "" && n[0] != 'H' && n[0] != 'M' {
				return bad("wrong_prefix", "应以H（香港）或M（澳门）开头。", "starts with H (Hong Kong) or M (Macao).")
			}
			return bad("wrong_length", "应为H或M加8位数字（旧版加10位）。", "is H or M followed by 8 digits (10 on older permits).")
		}
		d.Issuer = map[byte]string{'H': "HK", 'M': "MO"}[n[0]]
		return d, nil
	case TaiwanPermit:
		if !taiwanRe.MatchString(n) {
			return bad("wrong_length", "应为8位数字（旧版为10位数字）。", "has 8 digits (10 on older permits).")
		}
		return d, nil
	case ForeignPermanent:
		return foreignPermanent(d, n, bad)
	case Passport:
		if !passportRe.MatchString(n) {
			return bad("wrong_length", "应为5至17位字母或数字。", "has 5 to 17 letters or digits.")
		}
		return d, nil
	}
	return nil, &DocumentProblem{"unknown_type", "不支持的证件类型。", "Unknown document type."}
}

type badFunc func(reason, zh, en string) (*Document, *DocumentProblem)

// gb11643 checks the birth date and check character of an 18-character
// number laid out as in GB 11643-1999, and reads the birth date and sex.
func gb11643(d *Document, n string, bad badFunc) (*Document, *DocumentProblem) {
	birth, err := time.Parse("20060102", n[6:14])
	if err != nil || birth.Year() < 1900 || birth.After(time.Now()) {
		return bad("impossible_birth_date", "中的出生日期（第7至14位）不存在。", "has an impossible birth date (characters 7 to 14).")
	}
	if want, _ := IDCheckDigit(n[:17]); want != n[17] {
		return bad("bad_checksum", "校验位不正确，请核对每一位。", "fails its check character; check each character.")
	}
	d.Birth = birth.Format("2006-01-02")
	d.Sex = map[bool]string{true: "male", false: "female"}[(n[16]-'0')%2 == 1]
	return d, nil
}

// foreignPermanent accepts the 2004 format (15 characters: a three-letter
// nationality code and 12 digits) and the 2023 format (18 characters
// starting with 9, with a GB 11643-style check character).
func foreignPermanent(d *Document, n string, bad badFunc) (*Document, *DocumentProblem) {
	switch len(n) {
	case 15:
		if !foreignOldRe.MatchString(n) {
			return bad("bad_characters", "（旧版15位）应为3位字母国籍代码加12位数字。", "(15-character 2004 format) is a three-letter nationality code and 12 digits.")
		}
		d.Issuer = n[:3]
		return d, nil
	case 18:
		if n[0] != '9' {
			return bad("wrong_prefix", "（新版18位）应以9开头。", "(18-character 2023 format) starts with 9.")
		}
		if !digitsX.MatchString(n) {
			return bad("bad_characters", "只能是数字，最后一位可以是X。", "may only have digits, and X as the last character.")
		}
		return gb11643(d, n, bad)
	}
	return bad("wrong_length", fmt.Sprintf("应为15位（旧版）或18位（新版），您输入了%d位。", len(n)), fmt.Sprintf("has 15 (2004) or 18 (2023) characters; %d were given.", len(n)))
}

package policy

// InsuranceName is the Chinese and English name of an insurance type.
type InsuranceName struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEn string `json:"name_en"`
}

// insuranceNames follows the national data standard field aae140 (险种类型).
var insuranceNames = map[string]InsuranceName{
	"110": {"110", "企业职工基本养老保险", "Employee basic pension"},
	"170": {"170", "城乡居民基本养老保险", "Resident basic pension"},
	"210": {"210", "失业保险", "Unemployment insurance"},
	"310": {"310", "职工基本医疗保险", "Employee basic medical insurance"},
	"390": {"390", "城乡居民基本医疗保险", "Resident basic medical insurance"},
	"410": {"410", "工伤保险", "Work injury insurance"},
	"510": {"510", "生育保险", "Maternity insurance"},
}

// Insurance returns the zh/en name of an aae140 code and whether it is known.
func Insurance(code string) (InsuranceName, bool) {
	n, ok := insuranceNames[code]
	return n, ok
}

// Person types (参保人员类别).
const (
	PersonFlexible = "flexible" // 灵活就业人员
	PersonResident = "resident" // 城乡居民
)

// Rule families: how the base of an insurance type is determined.
const (
	FamilyRange      = "range"       // any base in [floor, ceiling], chosen by the person
	FamilyGrades     = "grades"      // a fixed list of bases or annual amounts
	FamilyAgency     = "agency"      // the agency supplies the base per person
	FamilyFlatAnnual = "flat_annual" // a flat premium per coverage year
)

// Grade units for the grades family.
const (
	GradeBase   = "base"          // a grade is a monthly base; the rate applies
	GradeAnnual = "annual_amount" // a grade is the annual contribution itself
)

// Medical binding rules.
const (
	BindingWithPension  = "with_pension_required"
	BindingAlone        = "alone_allowed"
	BindingFamilyOffset = "family_offset_allowed"
)

// Cycles a region may allow.
const (
	CycleMonthly   = "monthly"
	CycleQuarterly = "quarterly"
	CycleAnnual    = "annual"
)

// LateFeeKind marks a late-fee line in a quote.
const LateFeeKind = "late_fee"

var (
	knownPersons  = set(PersonFlexible, PersonResident)
	knownFamilies = set(FamilyRange, FamilyGrades, FamilyAgency, FamilyFlatAnnual)
	knownUnits    = set(GradeBase, GradeAnnual)
	knownBindings = set(BindingWithPension, BindingAlone, BindingFamilyOffset)
	knownCycles   = set(CycleMonthly, CycleQuarterly, CycleAnnual)
	knownProfiles = set("guangdong", "jiangsu", "national")
	knownAuth     = set("sms", "face", "ecard_password", "national_login")
	knownChannels = set("wechatpay", "wechatpay_native", "ssc_account", "unionpay", "credit_pay", "family_offset")
	medicalCodes  = set("310", "390")
	pensionCode   = "110"
	medicalCode   = "310"
)

func set(items ...string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, s := range items {
		m[s] = true
	}
	return m
}

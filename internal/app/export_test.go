package app

import "github.com/shebao-project/shebao/internal/identity"

// DemoIDNumber is demo person i's full ID number, for the tests that check
// it is never stored or shown in the clear.
func DemoIDNumber(i int) string {
	check, _ := identity.IDCheckDigit(DemoPeople[i].idFirst17)
	return DemoPeople[i].idFirst17 + string(check)
}

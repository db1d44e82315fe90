package web

// Regional presentation profiles (seed §1, §2). A region's policy pack names
// its profile; the profile decides how the same templates lay out the same
// content. No page asks which region it is in.
type profile struct {
	Name         string // guangdong, jiangsu, national
	TabBar       bool   // 底部导航栏: the menu is a tab bar at the bottom
	Steps        bool   // 弹窗引导逐步填写: one decision per screen with a progress indicator
	Arrears      bool   // 含历史欠费记录: arrears are listed and paid with this month
	PolicyBeside bool   // 基础信息+政策解读: each amount carries its policy explanation
}

var profiles = map[string]profile{
	"guangdong": {Name: "guangdong", TabBar: true, Arrears: true},
	"jiangsu":   {Name: "jiangsu", Steps: true},
	"national":  {Name: "national", Arrears: true, PolicyBeside: true},
}

// profileOf is the profile of region code in this month's pack; the
// national standard when no region is chosen or the pack names none known.
func (h *handler) profileOf(code string) profile {
	if code != "" {
		if rv, err := h.Policy.RegionAt(code, h.month()); err == nil {
			if p, ok := profiles[rv.Profile]; ok {
				return p
			}
		}
	}
	return profiles["national"]
}

package wxplatform

import (
	"fmt"
	"regexp"
)

// maxUsers bounds the users created on the fly ("新微信用户", wx.login for an
// unknown person); past it the oldest such user is forgotten. Preset users
// are never forgotten.
const maxUsers = 10000

// validOpenID is the shape of WeChat's openids and unionids: 28 characters
// of base64url starting with "o".
var validOpenID = regexp.MustCompile(`^o[A-Za-z0-9_-]{27}$`)

// wxUser is one person as one app sees them. WeChat gives a person a
// different openid in every app and one unionid across the apps of an open
// platform account.
type wxUser struct {
	appID, openID, unionID string
	label                  string
	preset                 bool
}

// users is the sandbox's directory of WeChat users. It is guarded by
// Server.mu.
type users struct {
	rnd      *randSource
	byOpenID map[string]*wxUser
	presets  []*wxUser // in configuration order
	created  []string  // openids of users created on the fly, oldest first
}

func newUsers(rnd *randSource) *users {
	return &users{rnd: rnd, byOpenID: map[string]*wxUser{}}
}

func (u *users) addPreset(p PresetUser) error {
	if !validOpenID.MatchString(p.OpenID) {
		return fmt.Errorf("preset openid %q is not 28 base64url characters starting with o", p.OpenID)
	}
	if _, dup := u.byOpenID[p.OpenID]; dup {
		return fmt.Errorf("preset openid %s listed twice", p.OpenID)
	}
	union := p.UnionID
	if union == "" {
		var err error
		if union, err = u.rnd.newUnionID(); err != nil {
			return err
		}
	} else if !validOpenID.MatchString(union) {
		return fmt.Errorf("preset unionid %q is not 28 base64url characters starting with o", union)
	}
	label := p.Label
	if label == "" {
		label = "微信用户 " + p.OpenID[len(p.OpenID)-6:]
	}
	wu := &wxUser{appID: p.AppID, openID: p.OpenID, unionID: union, label: label, preset: true}
	u.byOpenID[p.OpenID] = wu
	u.presets = append(u.presets, wu)
	return nil
}

// get returns the user with openID in appID, or nil: an openid of another
// app is as unknown as a made-up one.
func (u *users) get(appID, openID string) *wxUser {
	wu := u.byOpenID[openID]
	if wu == nil || wu.appID != appID {
		return nil
	}
	return wu
}

// presetsOf lists appID's preset users in configuration order.
func (u *users) presetsOf(appID string) []*wxUser {
	var out []*wxUser
	for _, p := range u.presets {
		if p.appID == appID {
			out = append(out, p)
		}
	}
	return out
}

// create makes a new WeChat user of appID. When that passes maxUsers it
// forgets the oldest created user and returns its openid, so the caller can
// drop what else the sandbox holds for it.
func (u *users) create(appID string) (wu *wxUser, evicted string, err error) {
	openID, err := u.rnd.newOpenID(appID)
	if err != nil {
		return nil, "", err
	}
	unionID, err := u.rnd.newUnionID()
	if err != nil {
		return nil, "", err
	}
	wu = &wxUser{appID: appID, openID: openID, unionID: unionID, label: "新微信用户 " + openID[len(openID)-6:]}
	u.byOpenID[openID] = wu
	u.created = append(u.created, openID)
	if len(u.created) > maxUsers {
		evicted = u.created[0]
		u.created = u.created[1:]
		delete(u.byOpenID, evicted)
	}
	return wu, evicted, nil
}

// createUserLocked makes a new user and forgets what the sandbox held for
// the user it evicted, if any. The caller holds s.mu.
func (s *Server) createUserLocked(appID string) (*wxUser, error) {
	wu, evicted, err := s.users.create(appID)
	if err != nil {
		return nil, err
	}
	if evicted != "" {
		delete(s.grants, evicted)
		delete(s.outbox, evicted)
	}
	return wu, nil
}

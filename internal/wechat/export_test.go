package wechat

// Marshal exposes the message encoding to the tests.
func (m SubscribeMessage) Marshal() ([]byte, error) { return m.marshal() }

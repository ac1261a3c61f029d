package vestiging

import "testing"

func TestDomainRuleValidate(t *testing.T) {
	tests := []struct {
		name, host, mode string
		wantHost         string
		wantErr          bool
	}{
		{"OK", "Social.Example.org", DomainBlock, "social.example.org", false},
		{"OKAddress", "https://social.example.org/", DomainAllow, "social.example.org", false},
		{"OKPort", "127.0.0.1:8082", DomainBlock, "127.0.0.1:8082", false},
		{"ErrEmpty", " ", DomainBlock, "", true},
		{"ErrPath", "social.example.org/users/x", DomainBlock, "", true},
		{"ErrUser", "agenda@social.example.org", DomainBlock, "", true},
		{"ErrMode", "social.example.org", "mute", "social.example.org", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &DomainRule{Host: tt.host, Mode: tt.mode}
			err := r.Validate()
			if got := err != nil; got != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err != nil && ErrorCode(err) != EINVALID {
				t.Errorf("got code %q, want %q", ErrorCode(err), EINVALID)
			}
			if r.Host != tt.wantHost {
				t.Errorf("got host %q, want %q", r.Host, tt.wantHost)
			}
		})
	}
}

package vestiging

import "testing"

func TestParseCents(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"5", 500, true},
		{"7,50", 750, true},
		{"7.5", 750, true},
		{"€ 7,50", 750, true},
		{"€7", 700, true},
		{" 0 ", 0, true},
		{",50", 50, true},
		{"12.", 1200, true},
		{"", 0, false},
		{",", 0, false},
		{"1.250,00", 0, false},
		{"7,505", 0, false},
		{"-5", 0, false},
		{"vijf", 0, false},
		{"1e3", 0, false},
		{"1234567890", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCents(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("got %d, %v; want %d, ok %v", got, err, tt.want, tt.ok)
			}
			if err != nil && ErrorCode(err) != EINVALID {
				t.Errorf("code %q, want %q", ErrorCode(err), EINVALID)
			}
		})
	}
}

func TestFormatCents(t *testing.T) {
	for in, want := range map[int64]string{0: "0.00", 5: "0.05", 750: "7.50", 123456: "1234.56", -250: "-2.50"} {
		if got := FormatCents(in); got != want {
			t.Errorf("FormatCents(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatPrice(t *testing.T) {
	member := int64(500)
	tests := []struct {
		lang string
		p    *Price
		want string
	}{
		{"nl", nil, ""},
		{"nl", &Price{}, "Gratis"},
		{"en", &Price{Note: "sign up first"}, "Free (sign up first)"},
		{"nl", &Price{Cents: 750}, "€ 7,50"},
		{"nl", &Price{Cents: 750, MemberCents: &member, Note: "incl. materiaal"}, "€ 7,50, leden € 5,00 (incl. materiaal)"},
		{"en-GB", &Price{Cents: 1250, MemberCents: &member}, "€12.50, members €5.00"},
		{"nl", &Price{Cents: 250, MemberCents: new(int64)}, "€ 2,50, leden gratis"},
	}
	for _, tt := range tests {
		if got := FormatPrice(tt.lang, tt.p); got != tt.want {
			t.Errorf("FormatPrice(%q, %+v) = %q, want %q", tt.lang, tt.p, got, tt.want)
		}
	}
}

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

package vestiging

import (
	"strings"
	"testing"
)

func TestOfferValidate(t *testing.T) {
	valid := func() *Offer {
		return &Offer{Kind: OfferKindOffer, Title: "Hulp bij formulieren", Description: "<p>Ik help graag.</p>", AuthorID: 1}
	}
	t.Run("OK", func(t *testing.T) {
		o := valid()
		o.Title = "  Hulp  "
		o.Description = `<p>Ik help<script>alert(1)</script></p>`
		if err := o.Validate(); err != nil {
			t.Fatal(err)
		}
		if got, want := o.Status, OfferPending; got != want {
			t.Errorf("status: got %q, want %q", got, want)
		}
		if got, want := o.Title, "Hulp"; got != want {
			t.Errorf("title: got %q, want %q", got, want)
		}
		if strings.Contains(o.Description, "script") {
			t.Errorf("description not sanitised: %q", o.Description)
		}
	})
	tests := []struct {
		name   string
		change func(o *Offer)
		field  string
	}{
		{"BadKind", func(o *Offer) { o.Kind = "trade" }, "kind"},
		{"BadStatus", func(o *Offer) { o.Status = "hidden" }, "status"},
		{"MissingTitle", func(o *Offer) { o.Title = "" }, "title"},
		{"LongTitle", func(o *Offer) { o.Title = strings.Repeat("x", 201) }, "title"},
		{"MissingDescription", func(o *Offer) { o.Description = "<script>only this</script>" }, "description"},
		{"HugeDescription", func(o *Offer) { o.Description = strings.Repeat("x", 2<<20) }, "description"},
		{"LongArea", func(o *Offer) { o.Area = strings.Repeat("x", 101) }, "area"},
		{"LongContact", func(o *Offer) { o.Contact = strings.Repeat("x", 301) }, "contact"},
		{"LongReason", func(o *Offer) { o.Reason = strings.Repeat("x", 1001) }, "reason"},
		{"NoAuthor", func(o *Offer) { o.AuthorID = 0 }, "author"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := valid()
			tt.change(o)
			assertField(t, o.Validate(), tt.field)
		})
	}
}

func TestOfferFilterNormalize(t *testing.T) {
	f := OfferFilter{Limit: 500}
	if err := f.Normalize(); err != nil {
		t.Fatal(err)
	}
	if got, want := f.Limit, MaxPageSize; got != want {
		t.Errorf("limit: got %d, want %d", got, want)
	}
	f = OfferFilter{Offset: -5}
	if got, want := ErrorCode(f.Normalize()), EINVALID; got != want {
		t.Errorf("negative offset: got %q, want %q", got, want)
	}
}

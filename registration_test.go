package vestiging

import "testing"

// TestNoticeHolds: the one table of which notices still hold in which
// states, that mails and federation share.
func TestNoticeHolds(t *testing.T) {
	tests := []struct {
		notice, state string
		want          bool
	}{
		{NoticeReminder, RegistrationConfirmed, true},
		{NoticeReminder, RegistrationWaitlisted, true},
		{NoticeReminder, RegistrationCancelled, false},
		{NoticeReminder, RegistrationPending, false},
		{NoticeWaitlisted, RegistrationConfirmed, false},
		{NoticePromoted, RegistrationConfirmed, true},
		{NoticeChanged, RegistrationPending, true},
		{NoticeEventOff, RegistrationWaitlisted, true},
		{NoticeCancelled, RegistrationCancelled, true},
		{NoticeCancelled, RegistrationConfirmed, false},
		{NoticeRejected, RegistrationRejected, true},
		{NoticeGuest, RegistrationPending, true},
		{NoticeJoin, RegistrationPending, false},
	}
	for _, tt := range tests {
		if got := NoticeHolds(tt.notice, tt.state); got != tt.want {
			t.Errorf("NoticeHolds(%s, %s) = %v, want %v", tt.notice, tt.state, got, tt.want)
		}
	}
	if _, ok := NoticeStates(NoticeJoin); ok {
		t.Error("NoticeStates(join) is known; a Join is not about a registration's state")
	}
}

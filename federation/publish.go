package federation

import "github.com/riverqueue/river"

func (f *Federator) addOutboxWorkers(*river.Workers) {}

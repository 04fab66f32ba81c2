// Report layer (see README, Architecture).

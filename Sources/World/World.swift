// World layer (see README, Architecture).

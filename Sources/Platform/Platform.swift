// Platform layer (see README, Architecture).

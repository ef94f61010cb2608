// placeholder until the lock domain lands

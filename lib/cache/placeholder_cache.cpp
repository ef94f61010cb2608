// placeholder until the cache domain lands

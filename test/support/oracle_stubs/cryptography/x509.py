class Certificate:
    pass

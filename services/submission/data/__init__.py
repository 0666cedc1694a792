"""Reference data an operator loads (the development-zone catalogue), and its readers."""

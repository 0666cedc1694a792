"""The registry's public site: words in Chinese (English by a switch), Beijing time, a sentence
per event, server-rendered SVG charts and the public side of publicity (issue 11)."""

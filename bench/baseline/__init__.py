"""The smallest honest web app that files a signal: the yardstick for ``python -m bench http``."""

"""The engine: dispatcher, retry policy and the ports it needs from the outside world."""

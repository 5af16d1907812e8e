"""Model files the SDK tests load (good and broken), and tiny datasets written on demand."""

"""The seeded demonstration panel (synthetic, marked on every row) and the shipped params files that point at it."""

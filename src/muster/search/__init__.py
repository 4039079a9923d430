"""Global search: persons (by name or badge), consent cases, casualties and orders."""

"""Reports from the posts: each post's situation, force used, help called, quiet posts."""

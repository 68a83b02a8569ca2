"""The REST API (`/api/v1/`): read published content, write drafts, take review steps."""

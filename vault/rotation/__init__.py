"""Vault key rotation and full re-encryption as resumable jobs (DESIGN §5)."""

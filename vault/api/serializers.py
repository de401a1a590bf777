from rest_framework import serializers

PIN_FIELD = {"max_length": 256, "trim_whitespace": False, "write_only": True}


class PinInput(serializers.Serializer):
    pin = serializers.CharField(**PIN_FIELD)


class PinChangeInput(serializers.Serializer):
    pin = serializers.CharField(**PIN_FIELD)
    new_pin = serializers.CharField(**PIN_FIELD)


class RecoverInput(serializers.Serializer):
    recovery_code = serializers.CharField(max_length=64, trim_whitespace=True, write_only=True)
    new_pin = serializers.CharField(**PIN_FIELD)


class PasswordInput(serializers.Serializer):
    password = serializers.CharField(max_length=256, trim_whitespace=False, write_only=True)


class SetupOutput(serializers.Serializer):
    state = serializers.CharField()
    recovery_code = serializers.CharField(help_text="Shown once. Write it down: it resets a forgotten PIN.")


class RecoverOutput(serializers.Serializer):
    recovery_code = serializers.CharField(help_text="The new recovery code; the old one no longer works.")


class UnlockOutput(serializers.Serializer):
    unlock_secret = serializers.CharField(
        allow_null=True,
        help_text="Send back as the X-Vault-Unlock header. Null for browsers, which get an HttpOnly cookie.",
    )
    idle_expires_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class KdfOutput(serializers.Serializer):
    algorithm = serializers.CharField()
    memory_kib = serializers.IntegerField()
    iterations = serializers.IntegerField()
    parallelism = serializers.IntegerField()


class VaultStateOutput(serializers.Serializer):
    state = serializers.ChoiceField(choices=["unset", "locked", "unlocked", "locked_out"])
    kdf = KdfOutput(allow_null=True)
    key_version = serializers.IntegerField(allow_null=True)
    server_key_version = serializers.IntegerField(allow_null=True)
    failed_attempts = serializers.IntegerField()
    attempts_remaining = serializers.IntegerField()
    retry_after = serializers.IntegerField(allow_null=True)
    idle_expires_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    last_unlock_at = serializers.DateTimeField(allow_null=True)
    recovery_issued_at = serializers.DateTimeField(allow_null=True)

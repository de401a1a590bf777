from rest_framework import serializers

from accounts.scopes import ALL_SCOPES


class TokenCreateInput(serializers.Serializer):
    username = serializers.CharField(max_length=254, required=False,
                                     help_text="Username or email. Not needed with an `X-Session-Token`.")
    password = serializers.CharField(max_length=256, trim_whitespace=False, required=False, write_only=True)
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ALL_SCOPES), min_length=1, max_length=len(ALL_SCOPES))
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True,
        help_text="When the token stops working (ISO 8601, in the future). Absent or null: it never expires, "
                  "so revoke it when the app is done.",
    )

    def validate(self, attrs):
        if not self.context.get("signed_in"):
            missing = {field: ["This field is required."] for field in ("username", "password") if not attrs.get(field)}
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


class TokenOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class TokenCreatedOutput(TokenOutput):
    token = serializers.CharField(help_text="Shown once. Send it as `Authorization: Token <token>`.")


class AccountDeleteInput(serializers.Serializer):
    password = serializers.CharField(max_length=256, write_only=True, trim_whitespace=False)
    confirmation = serializers.CharField(max_length=150, trim_whitespace=False,
                                         help_text="Your username, typed exactly.")
    code = serializers.CharField(max_length=64, required=False, default="", allow_blank=True,
                                 help_text="With two-factor sign-in on: a code from the authenticator app, "
                                           "or an unused recovery code.")


class AccountDeletedOutput(serializers.Serializer):
    erasure_job_id = serializers.UUIDField()
    detail = serializers.CharField()

"""Object types more than one domain of the API returns."""

import graphene


class RuleTableAgeNode(graphene.ObjectType):
    class Meta:
        name = "RuleTableAge"
        description = "How far a date lies past a dated rule table's last entry (the key rate, the penalty caps)."

    name = graphene.String(required=True)
    last_change = graphene.Date(required=True, description="When the table's last entry took effect.")
    source = graphene.String(required=True, description="The last entry's source.")
    confidence = graphene.String(required=True, description="law, practice or check.")
    days_past = graphene.Int(required=True, description="Days from the last entry to the date; negative: ahead.")
    stale_days = graphene.Int(required=True, description="RULES_STALE_DAYS.")
    stale = graphene.Boolean(required=True, description="More than staleDays past: a decision may be missing.")

import graphene


class MeterZoneReadingNode(graphene.ObjectType):
    """One tariff zone's value of a meter reading."""

    class Meta:
        name = "MeterZoneReading"

    zone = graphene.Int(required=True, description="1 for a single-zone meter; 1 day, 2 night, 3 peak otherwise.")
    value = graphene.Decimal(required=True)


class ResidentMeterNode(graphene.ObjectType):
    """A working meter of one of the resident's households, at one of the principals that serve it."""

    class Meta:
        name = "ResidentMeter"

    principal_id = graphene.ID(required=True)
    principal_name = graphene.String(required=True)
    meter_id = graphene.ID(required=True)
    serial = graphene.String(required=True)
    service_name = graphene.String(required=True)
    zones = graphene.Int(required=True)
    account_number = graphene.String(required=True)
    window_start_day = graphene.Int(description="First day of the month readings are taken for this meter: its "
                                                "house's own window if the principal set one, else the principal's.")
    window_end_day = graphene.Int(description="Last day of that window (beyond the month's length: its last day).")
    window_open = graphene.Boolean(required=True, description="Today (Moscow time) is inside the window.")
    last_readings = graphene.List(graphene.NonNull(MeterZoneReadingNode), required=True,
                                  description="The latest month's reading, by zone; empty before the first one.")
    last_reading_date = graphene.Date(description="The date of the latest month's reading.")
    last_period = graphene.Date(description="The month (its first day) of the latest reading.")


class ResidentAccountNode(graphene.ObjectType):
    """One principal's personal account of a linked household."""

    class Meta:
        name = "ResidentAccount"

    principal_id = graphene.ID(required=True)
    principal_name = graphene.String(required=True)
    account_number = graphene.String(required=True)
    payer_name = graphene.String(required=True)
    persons = graphene.Int(description="Living today, else registered; null — no occupancy record.")
    balance = graphene.Decimal(description="The balance now: the latest posted closing less the payments received "
                                           "since (plus — a debt); null — nothing posted or received yet.")


class ResidentHouseholdNode(graphene.ObjectType):
    """A household the resident has linked, with each principal's account of it."""

    class Meta:
        name = "ResidentHousehold"

    els = graphene.String(required=True)
    address = graphene.String(required=True)
    linked_at = graphene.DateTime(required=True)
    e_receipts = graphene.Boolean(required=True)
    amount_due = graphene.Decimal(
        required=True, description="Owed now: the sum of the accounts' debts (the ЕПД's total less the payments "
                                   "received since it), an advance at one principal not lowering another's debt.")
    current_document_id = graphene.ID(description="The current ЕПД (latest month, current version), if any.")
    current_month = graphene.Date()
    accounts = graphene.List(graphene.NonNull(ResidentAccountNode), required=True)


class ResidentChargeLineNode(graphene.ObjectType):
    """Charges of one month, principal and service (posted periods)."""

    class Meta:
        name = "ResidentChargeLine"

    month = graphene.Date(required=True)
    principal_id = graphene.ID(required=True)
    principal_name = graphene.String(required=True)
    service_code = graphene.String(required=True)
    service_name = graphene.String(required=True)
    unit = graphene.String(required=True)
    quantity = graphene.Decimal()
    amount = graphene.Decimal(required=True)
    consumption = graphene.Boolean(
        required=True,
        description="The quantity is the resource consumed (per-unit tariffs), not an area or a head count.",
    )


class ResidentPaymentLineNode(graphene.ObjectType):
    """A payment matched to the household, from any channel."""

    class Meta:
        name = "ResidentPaymentLine"

    id = graphene.ID(required=True)
    paid_on = graphene.Date(required=True)
    amount = graphene.Decimal(required=True)
    channel = graphene.String(required=True, description="bank_registry, bank_statement, card_online, cash_desk.")
    status = graphene.String(required=True, description="matched, allocated, refunded, …")


class ResidentHistoryNode(graphene.ObjectType):
    class Meta:
        name = "ResidentHistory"

    els = graphene.String(required=True)
    charges = graphene.List(graphene.NonNull(ResidentChargeLineNode), required=True)
    payments = graphene.List(graphene.NonNull(ResidentPaymentLineNode), required=True,
                             description="Newest first.")


ChangeRequestKindEnum = graphene.Enum("ChangeRequestKind", [("PERSONS", "persons"), ("PAYER_NAME", "payer_name"),
                                                            ("OTHER", "other")])
ChangeRequestStatusEnum = graphene.Enum("ChangeRequestStatus", [("NEW", "new"), ("ACCEPTED", "accepted"),
                                                                ("REJECTED", "rejected")])


class AccountChangeRequestNode(graphene.ObjectType):
    """A resident's request to change a principal's account of their household."""

    class Meta:
        name = "AccountChangeRequest"

    id = graphene.ID(required=True)
    els = graphene.String(required=True)
    principal_id = graphene.ID(required=True)
    principal_name = graphene.String(required=True)
    account_number = graphene.String(required=True)
    kind = graphene.Field(ChangeRequestKindEnum, required=True)
    persons = graphene.Int()
    payer_name = graphene.String()
    comment = graphene.String(required=True)
    status = graphene.Field(ChangeRequestStatusEnum, required=True)
    answer = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)
    resolved_at = graphene.DateTime()

    @staticmethod
    def resolve_els(request, info):
        return request.unified_account.number

    # plain values: a fresh row holds the model's choice members, which the GraphQL enums do not take
    @staticmethod
    def resolve_kind(request, info):
        return str(request.kind)

    @staticmethod
    def resolve_status(request, info):
        return str(request.status)

    @staticmethod
    def resolve_principal_name(request, info):
        return request.principal.short_name

    @staticmethod
    def resolve_payer_name(request, info):
        return request.payer_name or None

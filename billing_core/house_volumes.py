"""Volumes that come from more than one meter: drainage, and the common-property share (СОИ).

The set-based charge run (``tenants.billing.charge_run``) computes these in SQL; the functions here state the
rules once, exactly, for its tests and for anyone checking a line by hand. Volumes are ``Decimal`` m³ (or kWh),
never rounded here.

Drainage (водоотведение) [law: ПП 354 п.42, формула 4 прил.2; the sum of the cold and hot water volumes]: without
a meter of its own, the drainage volume of a premise is its cold water volume plus its hot water volume, each by
the premise's meter where there is one (or the average that stands in for a missing reading, п.59), by the norm ×
persons for the part without a meter. The uplift coefficient raises a charge, not a volume, so a part by norm
enters without it [check: the coefficient is not applied to drainage].

Common property (СОИ; «коммунальные ресурсы, потребляемые при использовании и содержании общего имущества»):

* without a collective (house) meter, the house's volume is the СОИ norm × the area of the common-property
  premises (формула 15 прил.2 to ПП 354, the norm per m² of common area) [law];
* with one, the collective meter's volume less the volumes of all residential and non-residential premises
  (формула 11 прил.2) [law]; since 2017 the volume distributed to owners is at most the norm × the common area,
  unless the owners' general meeting decided to distribute the excess (ПП 354 п.44; ЖК ст.156 ч.9.2) [law]; a
  negative difference is taken as zero [practice: the management company bears neither the excess nor a
  "reverse" СОИ; check];
* each premise's share is the house's volume × the premise's area / the total area of all residential and
  non-residential premises of the house (формулы 11 and 15) [law].
"""

from __future__ import annotations

from decimal import Decimal, localcontext

_PRECISION = 60


def drainage_volume(*, cold: Decimal | None, hot: Decimal | None, cold_norm: Decimal, hot_norm: Decimal,
                    basis: Decimal | int) -> Decimal:
    """The premise's drainage volume: each water part by its meter (``cold``/``hot``), else its norm × ``basis``
    (persons, or m² for a norm per area)."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        cold_part = cold if cold is not None else Decimal(cold_norm) * basis
        hot_part = hot if hot is not None else Decimal(hot_norm) * basis
        return cold_part + hot_part


def common_property_volume(*, norm: Decimal | None, common_area: Decimal, collective: Decimal | None = None,
                           premises: Decimal = Decimal(0), above_norm_decided: bool = False) -> Decimal | None:
    """The house's common-property volume for one resource; ``None`` when it cannot be found (no norm to cap by
    or to charge by)."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        norm_volume = Decimal(norm) * Decimal(common_area) if norm is not None else None
        if collective is None:
            return norm_volume
        excess = Decimal(collective) - Decimal(premises)
        if above_norm_decided:
            return max(excess, Decimal(0))
        if norm_volume is None:
            return None
        return max(min(excess, norm_volume), Decimal(0))


def common_property_share(*, house_volume: Decimal, premise_area: Decimal, total_area: Decimal) -> Decimal:
    """One premise's part of the house's common-property volume, by area."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return Decimal(house_volume) * Decimal(premise_area) / Decimal(total_area)

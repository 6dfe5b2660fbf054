"""Generator profiles: businesses whose hidden churn truth differs from the default weights.

A profile replaces a few SQL fragments of the generator's SQL (``sql/``): who signs
annual terms, the hidden health level, the pre-churn dip, which customers are tracked in the
behaviour sources, and the churn rule. Everything else (the sources, their columns, ids, the per-row
behaviour given the hidden health) is the same for every profile.

The ``default`` profile's fragments are the generator's original SQL text, so ``--profile
default`` writes byte-identical files to a run without the flag; a test pins this.

The profiles exist to test the calibration (issue 11): each contradicts the default weights in
one way a real business does, and the calibration should learn it from the history.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Profile:
    """SQL fragments and numbers that shape one kind of business.

    Fragments are substituted into the generator's SQL templates and may use its ``$``
    parameters (``$hazard_a``, ``$hazard_b``). Column names they may read:

    - ``annual_share``, ``health_base``, ``dip_strength``, ``is_tracked``: the per-customer
      draws of the customers query (``plan0``, ``z_base``, ``u_dip_silent``,
      ``u_dip_strength``, ``u_tracked``);
    - ``churn_probability``: a churn candidate ``cand`` (``health``, ``exposure_years``,
      ``is_renewal``, ``k`` = renewals completed at a renewal candidate, ``term_months``,
      ``tenure_days``): the probability that the candidate is accepted as the churn;
    - ``behaviour``: the relation of customer-weeks that drives usage, tickets, surveys and
      engagement (invoices and subscriptions always use every live customer-week);
    - ``contract_factor``: appended to the probability of a seat contraction at the start of
      period ``k`` (``term_months``, ``boundary_health``).
    """

    name: str
    summary: str
    annual_share: str = "(case plan0 when 'starter' then 0.35 when 'growth' then 0.6 else 0.85 end)"
    health_base: str = "0.4 + 0.7 * z_base"
    dip_strength: str = "case when u_dip_silent < 0.15 then 0.0 else 0.8 + 2.2 * u_dip_strength end"
    is_tracked: str = "true"
    mid_term_exposure: str = "0.15 / 52"
    churn_probability: str = (
        "1 - exp(-exp($hazard_a - $hazard_b * cand.health) * cand.exposure_years)"
    )
    behaviour: str = "activity"
    contract_factor: str = ""
    # Share of customers created inside the window is this times days / (history + days).
    new_customer_weight: float = 0.75
    # Churn hazard per year is exp(hazard_a - hazard_b * health) in the default rule.
    hazard_a: float = -2.0
    hazard_b: float = 1.1
    # Fragments by placeholder name, for the templates.
    fragments: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "fragments",
            {
                "annual_share": self.annual_share,
                "health_base": self.health_base,
                "dip_strength": self.dip_strength,
                "is_tracked": self.is_tracked,
                "mid_term_exposure": self.mid_term_exposure,
                "churn_probability": self.churn_probability,
                "behaviour": self.behaviour,
                "contract_factor": self.contract_factor,
            },
        )


DEFAULT = Profile(
    name="default",
    summary=(
        "every dimension carries some of the churn signal, in the proportions the default "
        "weights assume; churn follows a hidden health, mostly at the end of a term"
    ),
)

# A subscription business whose churn is contract length: monthly terms churn, mostly in their
# first renewals; annual terms rarely do. The hidden health still drives usage, tickets,
# surveys, invoices and engagement, but no longer churn, and churners show no pre-churn dip:
# every dimension but relationship is noise. Terms no longer follow the plan, so that plan and
# seats (which shape tickets per seat and engagement) carry no churn signal either.
ONE_DIMENSION = Profile(
    name="one_dimension",
    summary=(
        "churn is contract length: monthly terms churn, most in their first renewals, annual "
        "terms rarely; usage, support, satisfaction, financial and engagement are noise"
    ),
    annual_share="0.5",
    dip_strength="0.0",
    mid_term_exposure="1 / 52.0",
    churn_probability="""case
            when not cand.is_renewal then 1 - exp(-0.02 * cand.exposure_years)
            when cand.term_months = 1 then 0.012 + 0.10 * exp(-cand.k / 3.0)
            else 0.02 + 0.06 * exp(-cand.k)
        end""",
)

# A fast-growing self-serve business on monthly terms (four in five customers signed in the
# last year) whose churn peaks 8 to 12 months into tenure, after onboarding, and is rare once a
# customer has stayed 16 months; customers past a year trim seats but stay. The peak sits in
# the middle of the customers' tenures, so the default relationship rules (more tenure and
# renewals are healthier, a contraction is a warning) rank churners no better than chance:
# "more tenure is healthier" is wrong in its shape. The hidden health still scales the risk
# and the pre-churn dip is kept, so the behaviour dimensions still warn.
FIRST_YEAR_CHURN = Profile(
    name="first_year_churn",
    summary=(
        "churn peaks 8 to 12 months into tenure, is low while onboarding and rare after 16 "
        "months; customers past a year trim seats but stay; monthly terms, four in five "
        "customers are new this year"
    ),
    annual_share="0.0",
    churn_probability=(
        "1 - exp(-exp($hazard_a - $hazard_b * cand.health)"
        " * (0.15 + 8 * exp(-0.5 * pow((cand.tenure_days - 300) / 60.0, 2)))"
        " * cand.exposure_years)"
    ),
    new_customer_weight=2.4,
    # Customers past a year right-size their seats (and stay): contraction is no churn sign.
    contract_factor="* (case when k * term_months >= 12 then 25 else 1 end)",
)

# Most customers are not tracked: no product usage, tickets, surveys or engagement, only
# subscriptions and invoices (relationship and financial), and untracked ones are less healthy.
# Everyone's behaviour looks healthy and half the churners give no warning, so the default bands
# colour nearly every scored customer green, while a quarter of customers churn in a year.
SPARSE = Profile(
    name="sparse",
    summary=(
        "55% of customers have only subscriptions and invoices (two dimensions); about 25% "
        "churn in a year while the scores look healthy"
    ),
    is_tracked="u_tracked < 0.45",
    health_base="1.8 + 0.4 * z_base - (case when u_tracked < 0.45 then 0.0 else 0.4 end)",
    dip_strength="case when u_dip_silent < 0.5 then 0.0 else 0.4 + 0.8 * u_dip_strength end",
    behaviour="(select * from activity where is_tracked)",
    hazard_a=0.35,
)

PROFILES: dict[str, Profile] = {
    profile.name: profile for profile in (DEFAULT, ONE_DIMENSION, FIRST_YEAR_CHURN, SPARSE)
}

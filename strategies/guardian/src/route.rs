//! The guardian's gate on an off-curve route (a Jupiter quote): the slippage the route may
//! take and the price impact it may have. A route passes only as an [`ApprovedRoute`], which
//! only [`check_route`] makes; every refusal has a typed reason.

use std::fmt;

use kestrel_units::Bps;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteLimits {
    pub max_slippage: Bps,
    pub max_price_impact: Bps,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteRefusal {
    Slippage { asked: Bps, max: Bps },
    PriceImpact { impact: Bps, max: Bps },
}

impl RouteRefusal {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Slippage { .. } => "route_slippage",
            Self::PriceImpact { .. } => "price_impact",
        }
    }
}

impl fmt::Display for RouteRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Slippage { asked, max } => {
                write!(f, "route slippage {asked} above the {max} cap")
            }
            Self::PriceImpact { impact, max } => {
                write!(f, "price impact {impact} above the {max} cap")
            }
        }
    }
}

/// A route within the caps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApprovedRoute {
    slippage: Bps,
    price_impact: Bps,
}

impl ApprovedRoute {
    pub fn slippage(&self) -> Bps {
        self.slippage
    }

    pub fn price_impact(&self) -> Bps {
        self.price_impact
    }
}

pub fn check_route(
    limits: &RouteLimits,
    slippage: Bps,
    price_impact: Bps,
) -> Result<ApprovedRoute, RouteRefusal> {
    if slippage > limits.max_slippage {
        return Err(RouteRefusal::Slippage {
            asked: slippage,
            max: limits.max_slippage,
        });
    }
    if price_impact > limits.max_price_impact {
        return Err(RouteRefusal::PriceImpact {
            impact: price_impact,
            max: limits.max_price_impact,
        });
    }
    Ok(ApprovedRoute {
        slippage,
        price_impact,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: RouteLimits = RouteLimits {
        max_slippage: Bps(300),
        max_price_impact: Bps(1500),
    };

    #[test]
    fn caps_are_inclusive_and_each_refusal_is_typed() {
        assert!(check_route(&L, Bps(300), Bps(1500)).is_ok());
        assert_eq!(
            check_route(&L, Bps(301), Bps(0)),
            Err(RouteRefusal::Slippage {
                asked: Bps(301),
                max: Bps(300)
            })
        );
        assert_eq!(
            check_route(&L, Bps(50), Bps(1501)).unwrap_err().name(),
            "price_impact"
        );
    }
}

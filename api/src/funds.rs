//! The prevention-fund ledger of one insurer (三(二)), assembled from the
//! stored premium postings and expenditures: per calendar year (CST) the net
//! premium income, the levy drawn on its yearly total, and what was spent.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use domain::insurance::{levy, levy_rate_for_year, ExpenditureCategory, FundYear};
use domain::money::{BasisPoints, Fen};
use domain::rules::{Applied, RuleBook};
use persistence::{expenditures, premiums, DbConnection};
use uuid::Uuid;

use crate::error::ApiError;

/// The first day the ledger looks at; nothing can be dated earlier.
pub fn ledger_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// One calendar year of one insurer's fund.
#[derive(Debug, Clone)]
pub struct YearFigures {
    pub year: i32,
    pub monthly_net: [Fen; 12],
    pub monthly_spent: [Fen; 12],
    pub net_premium: Fen,
    /// The levy share and its rule version; `None` before any was in force.
    pub rate: Option<Applied<BasisPoints>>,
    pub levy: Fen,
    pub spent: Fen,
    pub spent_by_category: BTreeMap<ExpenditureCategory, Fen>,
}

impl YearFigures {
    fn empty(year: i32) -> YearFigures {
        YearFigures {
            year,
            monthly_net: [Fen::ZERO; 12],
            monthly_spent: [Fen::ZERO; 12],
            net_premium: Fen::ZERO,
            rate: None,
            levy: Fen::ZERO,
            spent: Fen::ZERO,
            spent_by_category: BTreeMap::new(),
        }
    }

    pub fn fund_year(&self) -> FundYear {
        FundYear { year: self.year, levy: self.levy, spent: self.spent }
    }
}

fn add(total: &mut Fen, amount: Fen) -> Result<(), ApiError> {
    *total = total.checked_add(amount).map_err(ApiError::internal)?;
    Ok(())
}

fn month_index(day: NaiveDate) -> usize {
    usize::try_from(day.month0()).unwrap_or(0).min(11)
}

/// Every year from the insurer's first record through `through_year`,
/// ascending; `through_year` is always present.
pub fn ledger(
    conn: &mut DbConnection,
    book: &RuleBook,
    insurer_id: Uuid,
    through_year: i32,
) -> Result<Vec<YearFigures>, ApiError> {
    let end = NaiveDate::from_ymd_opt(through_year, 12, 31)
        .ok_or_else(|| ApiError::invalid_field("year", "invalid_range", "year out of range"))?;
    let mut years: BTreeMap<i32, YearFigures> = BTreeMap::new();
    years.insert(through_year, YearFigures::empty(through_year));
    for (day, amount) in premiums::daily_net(conn, insurer_id, ledger_start(), end)? {
        let figures = years.entry(day.year()).or_insert_with(|| YearFigures::empty(day.year()));
        add(&mut figures.monthly_net[month_index(day)], amount)?;
        add(&mut figures.net_premium, amount)?;
    }
    for spend in expenditures::list(conn, insurer_id, ledger_start(), end)? {
        let year = spend.spent_on.year();
        let figures = years.entry(year).or_insert_with(|| YearFigures::empty(year));
        add(&mut figures.monthly_spent[month_index(spend.spent_on)], spend.amount)?;
        add(&mut figures.spent, spend.amount)?;
        add(figures.spent_by_category.entry(spend.category).or_insert(Fen::ZERO), spend.amount)?;
    }
    for figures in years.values_mut() {
        // Before the levy rule was in force there is nothing to draw.
        if let Ok(rate) = levy_rate_for_year(book, figures.year) {
            figures.levy = levy(figures.net_premium, rate.value).map_err(ApiError::internal)?;
            figures.rate = Some(rate);
        }
    }
    Ok(years.into_values().collect())
}

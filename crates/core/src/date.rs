//! Dates as government documents write them. (Placeholder: being completed.)
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date (no time of day), serialised as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(time::Date);

impl Date {
    /// A date from its parts, `None` when it does not exist.
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<Date> {
        let month = time::Month::try_from(month).ok()?;
        time::Date::from_calendar_date(year, month, day).ok().map(Date)
    }
    /// Parses `YYYY-MM-DD` (placeholder).
    pub fn parse(text: &str) -> Option<Date> {
        let t = text.trim();
        let mut it = t.splitn(3, '-');
        let y = it.next()?.parse().ok()?;
        let m = it.next()?.parse().ok()?;
        let d: String = it.next()?.chars().take_while(|c| c.is_ascii_digit()).collect();
        Date::from_ymd(y, m, d.parse().ok()?)
    }
    /// The year.
    pub fn year(&self) -> i32 {
        self.0.year()
    }
    /// Seconds since 1970-01-01T00:00:00Z at midnight UTC of this date.
    pub fn unix_seconds(&self) -> i64 {
        self.0.midnight().assume_utc().unix_timestamp()
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.0.year(), self.0.month() as u8, self.0.day())
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Date::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a date: {s:?}")))
    }
}

//! The `TIMESTAMP` of a password claim: `ddd MMM D HH:mm:ss UTC YYYY`, always UTC, English names
//! from fixed tables, and the day of month without zero padding (`Tue Mar 5 07:04:09 UTC 2024`).

use std::time::SystemTime;

use time::{OffsetDateTime, UtcOffset};

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Formats an instant as Cognito expects it, never from the locale or the local time zone.
pub fn format(at: SystemTime) -> String {
    let at = OffsetDateTime::from(at).to_offset(UtcOffset::UTC);
    format!(
        "{} {} {} {:02}:{:02}:{:02} UTC {}",
        WEEKDAYS[usize::from(at.weekday().number_days_from_monday())],
        MONTHS[usize::from(u8::from(at.month())) - 1],
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.year(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn at(secs: u64) -> String {
        format(UNIX_EPOCH + Duration::from_secs(secs))
    }

    #[test]
    fn known_instants() {
        assert_eq!(at(0), "Thu Jan 1 00:00:00 UTC 1970");
        assert_eq!(at(1_709_622_249), "Tue Mar 5 07:04:09 UTC 2024");
        assert_eq!(at(1_709_164_800), "Thu Feb 29 00:00:00 UTC 2024");
        assert_eq!(at(1_709_251_199), "Thu Feb 29 23:59:59 UTC 2024");
        assert_eq!(at(1_735_689_599), "Tue Dec 31 23:59:59 UTC 2024");
    }

    #[test]
    fn every_month_weekday_and_day() {
        // 2023-01-01 was a Sunday; walk a whole year a day at a time, at one second to midnight.
        let start = 1_672_531_200u64;
        let days_in_month = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let mut day = 0;
        for (month, &length) in days_in_month.iter().enumerate() {
            for date in 1..=length {
                let text = at(start + day * 86_400 + 86_399);
                let weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][(day % 7) as usize];
                assert_eq!(
                    text,
                    format!("{weekday} {} {date} 23:59:59 UTC 2023", MONTHS[month])
                );
                day += 1;
            }
        }
        assert_eq!(day, 365);
    }
}

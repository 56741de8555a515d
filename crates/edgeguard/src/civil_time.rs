//! Calendar arithmetic for UTC dates written as text (the dates of `edgeguard sign`, the `date`
//! and `time` fields of access logs): one implementation, no time-zone database, no clock.

/// Days in `month` (1-12) of `year` in the proleptic Gregorian calendar; 0 for a month that
/// does not exist.
pub fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). The date
/// is not validated: check it with [`days_in_month`] first.
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Epoch seconds of a UTC date and time of day; `None` when that date or time does not exist
/// (February 30th, 24:00:00, a leap second).
pub fn utc_epoch(
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
) -> Option<i64> {
    let valid = (1..=days_in_month(year, month)).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&minute)
        && (0..60).contains(&second);
    valid.then(|| days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_of_known_instants() {
        assert_eq!(utc_epoch(1970, 1, 1, 0, 0, 0), Some(0));
        assert_eq!(utc_epoch(2019, 12, 4, 21, 2, 31), Some(1_575_493_351));
        assert_eq!(utc_epoch(2026, 1, 1, 0, 0, 0), Some(1_767_225_600));
        assert_eq!(utc_epoch(2024, 2, 29, 23, 59, 59), Some(1_709_251_199));
        assert_eq!(utc_epoch(1969, 12, 31, 23, 59, 59), Some(-1));
    }

    #[test]
    fn impossible_dates_and_times_have_no_epoch() {
        for (y, mo, d, h, mi, s) in [
            (2023, 2, 29, 0, 0, 0),
            (2100, 2, 29, 0, 0, 0),
            (2026, 13, 1, 0, 0, 0),
            (2026, 0, 1, 0, 0, 0),
            (2026, 4, 31, 0, 0, 0),
            (2026, 1, 0, 0, 0, 0),
            (2026, 1, 1, 24, 0, 0),
            (2026, 1, 1, 0, 60, 0),
            (2026, 1, 1, 0, 0, 60),
        ] {
            assert_eq!(
                utc_epoch(y, mo, d, h, mi, s),
                None,
                "{y}-{mo}-{d} {h}:{mi}:{s}"
            );
        }
    }

    #[test]
    fn leap_years_follow_the_gregorian_rules() {
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2026, 2), 28);
    }
}

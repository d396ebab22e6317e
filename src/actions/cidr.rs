//! CIDR blocks (`10.0.0.0/24`, `2001:db8::/32`), which rules take as keywords and the allowlist as
//! values: an address, a prefix length its family has, and no address bits past the prefix
//! (`10.0.0.1/24` is `10.0.0.0/24` written wrongly, and the error says so).

use std::net::IpAddr;

use crate::protocol::quoted;

/// Whether `text` is shaped like a block (`<address>/<anything>`), right or wrong.
pub(crate) fn looks_like_block(text: &str) -> bool {
    text.split_once('/')
        .is_some_and(|(address, _)| address.parse::<IpAddr>().is_ok())
}

/// The block `text` is, in canonical form; an error sentence quoting it otherwise.
pub(crate) fn block(text: &str) -> Result<String, String> {
    let not = || format!("{} is not a CIDR block, such as 10.0.0.0/24", quoted(text));
    let (address, bits) = text.split_once('/').ok_or_else(not)?;
    let address: IpAddr = address.parse().map_err(|_| not())?;
    let max = if address.is_ipv4() { 32 } else { 128 };
    let length = bits
        .parse::<u32>()
        .ok()
        .filter(|length| bits.bytes().all(|b| b.is_ascii_digit()) && *length <= max)
        .ok_or_else(|| {
            format!(
                "{} is not a CIDR block: the prefix length must be 0 to {max}",
                quoted(text)
            )
        })?;
    let network = network_of(address, length);
    if network != address {
        return Err(format!(
            "{} is not a CIDR block: its address has bits past the prefix; the block is {network}/{length}",
            quoted(text)
        ));
    }
    Ok(format!("{network}/{length}"))
}

/// `address` with every bit past `length` cleared.
fn network_of(address: IpAddr, length: u32) -> IpAddr {
    match address {
        IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - length).unwrap_or(0);
            IpAddr::V4((u32::from(v4) & mask).into())
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - length).unwrap_or(0);
            IpAddr::V6((u128::from(v6) & mask).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_canonical_and_their_host_bits_clear() {
        assert_eq!(block("10.0.0.0/8").as_deref(), Ok("10.0.0.0/8"));
        assert_eq!(block("2001:DB8::/32").as_deref(), Ok("2001:db8::/32"));
        assert_eq!(block("0.0.0.0/0").as_deref(), Ok("0.0.0.0/0"));
        assert_eq!(block("198.51.100.23/32").as_deref(), Ok("198.51.100.23/32"));
        let cases = [
            ("10.0.0.1/24", "the block is 10.0.0.0/24"),
            ("10.0.0.0/33", "0 to 32"),
            ("10.0.0.0/+8", "0 to 32"),
            ("2001:db8::1/32", "the block is 2001:db8::/32"),
            ("10.0.0/8", "is not a CIDR block, such as"),
            ("10.0.0.0", "is not a CIDR block, such as"),
        ];
        for (text, why) in cases {
            let problem = block(text).unwrap_err();
            assert!(problem.contains(why), "{text}: {problem}");
        }
        assert!(looks_like_block("10.0.0.1/x") && !looks_like_block("example.com/x"));
    }
}

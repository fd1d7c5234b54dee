/// `count` values evenly spaced in log from `low` to `high`, both included:
/// `low·(high/low)^(i/(count − 1))` for i = 0 … count − 1 (one value, `low`, when `count` is 1;
/// none when it is 0 or less). The grids of ladders, candidate runs and plotted curves.
public func logSpaced(from low: Double, to high: Double, count: Int) -> [Double] {
    guard count > 1 else { return count == 1 ? [low] : [] }
    return (0..<count).map { i in low * _pow(high / low, Double(i) / Double(count - 1)) }
}

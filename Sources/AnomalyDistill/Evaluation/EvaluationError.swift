/// Errors in the inputs of an evaluation metric: scores, labels, decisions and parameters.
///
/// Labels that hold one class where a metric needs both are reported with
/// ``DataError/singleClassLabels(context:label:)``, as everywhere else in the module. Each case
/// names the metric (`context`) and says what was expected and what was found.
public enum EvaluationError: Error, Sendable, Equatable {
    /// Two inputs that must describe the same rows have different lengths.
    case lengthMismatch(context: String, expected: Int, found: Int)
    /// An input has no rows.
    case emptyInput(context: String)
    /// A label is not 0 (normal) or 1 (anomaly); `index` is 0-based.
    case invalidLabel(context: String, index: Int, found: Int)
    /// A score is infinite or NaN; `index` is 0-based and `found` is how the value prints.
    case nonFiniteScore(context: String, index: Int, found: String)
    /// The contamination is outside (0, 0.5], PyOD's valid range; `found` is how the value prints.
    case contaminationOutOfRange(found: String)
    /// A threshold is infinite or NaN; `found` is how the value prints.
    case nonFiniteThreshold(found: String)
    /// A percentile is outside [0, 100]; `found` is how the value prints.
    case percentileOutOfRange(found: String)
    /// A rate (such as a false-positive budget) is outside [0, 1]; `found` is how the value prints.
    case rateOutOfRange(name: String, found: String)
    /// A count parameter (such as `n` or `k`) is outside `1...maximum`.
    case countOutOfRange(name: String, found: Int, maximum: Int)
    /// All values of an input are equal, so a correlation is undefined.
    case constantInput(context: String)
    /// A detector gave every compared row the same score: `who` names it, `why` says what that means.
    case constantScores(who: String, rows: Int, why: String)
}

extension EvaluationError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .lengthMismatch(context, expected, found):
            return "\(context): expected \(expected) values, as many as the first input has, found \(found)"
        case let .emptyInput(context):
            return "\(context): expected at least one value, found none"
        case let .invalidLabel(context, index, found):
            return "\(context): expected a label of 0 or 1 at index \(index), found \(found)"
        case let .nonFiniteScore(context, index, found):
            return "\(context): expected a finite score at index \(index), found \(found)"
        case let .contaminationOutOfRange(found):
            return "invalid contamination: expected a value in (0, 0.5], found \(found)"
        case let .nonFiniteThreshold(found):
            return "invalid threshold: expected a finite number, found \(found)"
        case let .percentileOutOfRange(found):
            return "invalid percentile: expected a value in [0, 100], found \(found)"
        case let .rateOutOfRange(name, found):
            return "invalid \(name): expected a value in [0, 1], found \(found)"
        case let .countOutOfRange(name, found, maximum):
            return "invalid \(name): expected a value in 1...\(maximum), found \(found)"
        case let .constantInput(context):
            return "\(context): expected values that are not all equal, found a constant input"
        case let .constantScores(who, rows, why):
            return "comparing teacher and student: \(who) scores all \(rows) rows the same, so there is nothing to compare: \(why)"
        }
    }
}

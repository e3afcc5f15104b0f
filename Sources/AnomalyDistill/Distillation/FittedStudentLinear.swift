/// A distilled linear student, `u = w·x + b` (kind `student_linear`); see ``FittedStudent``.
public struct FittedStudentLinear: FittedStudent {
    public static let kind = "student_linear"
    public var network: Network
    public var softTargets: SoftTargets
    public var state: DetectorState
    public var trainingScores: [Float]

    public init(network: Network, softTargets: SoftTargets, state: DetectorState, trainingScores: [Float]) {
        self.network = network
        self.softTargets = softTargets
        self.state = state
        self.trainingScores = trainingScores
    }
}

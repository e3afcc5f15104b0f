/// A distilled multilayer-perceptron student (kind `student_mlp`); see ``FittedStudent``.
public struct FittedStudentMLP: FittedStudent {
    public static let kind = "student_mlp"
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

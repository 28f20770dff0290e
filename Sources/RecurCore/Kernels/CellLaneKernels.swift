import RecurKernels
import RecurKernelsAVX512

/// The cells' element-wise code of one kernel build: `CellLanes` of RecurKernels (eight
/// lanes) or of RecurKernelsAVX512 (sixteen), which compute bit-identical results.
/// Callers take the build of this machine from `PanelKernelVariant.cells`.
protocol CellLaneKernels {
    static func lstmStep(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        hidden h: UnsafeMutablePointer<Float>, memory c: UnsafeMutablePointer<Float>,
        batch: Int, hiddenSize n: Int
    )
    static func lstmTrainingStep(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        previousMemory cPrevious: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>,
        memory cNext: UnsafeMutablePointer<Float>, hidden hNext: UnsafeMutablePointer<Float>,
        batch: Int, hiddenSize n: Int
    )
    static func lstmBackward(
        gates: UnsafePointer<Float>, previousMemory cPrevious: UnsafePointer<Float>, memory c: UnsafePointer<Float>,
        hiddenGradient dh: UnsafePointer<Float>, memoryGradient dc: UnsafeMutablePointer<Float>,
        gateGradients dg: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    )
    static func gruStep(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        hidden h: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    )
    static func gruTrainingStep(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        previousHidden hPrevious: UnsafePointer<Float>, gates: UnsafeMutablePointer<Float>,
        nextHidden hNext: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    )
    static func gruBackward(
        gates: UnsafePointer<Float>, previousHidden hPrevious: UnsafePointer<Float>,
        hiddenGradient dh: UnsafePointer<Float>,
        inputGateGradients dx: UnsafeMutablePointer<Float>, hiddenGateGradients dhg: UnsafeMutablePointer<Float>,
        previousHiddenGradient dhPrevious: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    )
    static func rnnStep(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        hidden h: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    )
    static func rnnTrainingStep(
        inputGates xg: UnsafePointer<Float>, hiddenGates hg: UnsafePointer<Float>,
        nextHidden hNext: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    )
    static func rnnBackward(
        hidden hNext: UnsafePointer<Float>, hiddenGradient dh: UnsafePointer<Float>,
        gateGradients dg: UnsafeMutablePointer<Float>, batch: Int, hiddenSize n: Int
    )
}

extension RecurKernels.CellLanes: CellLaneKernels {}
extension RecurKernelsAVX512.CellLanes: CellLaneKernels {}

extension PanelKernelVariant {
    /// The element-wise cell code compiled for this variant's instruction set.
    var cells: any CellLaneKernels.Type {
        self == .avx512 ? RecurKernelsAVX512.CellLanes.self : RecurKernels.CellLanes.self
    }
}

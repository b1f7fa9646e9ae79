namespace RandSac.Evaluation;

/// <summary>
/// The fifteen operations of timm's RandAugment with <c>inc1</c> (<c>_RAND_INCREASING_TRANSFORMS</c>,
/// MAE's <c>rand-m9-mstd0.5-inc1</c>): the "Increasing" ops get stronger as the magnitude grows,
/// where the plain ones of <c>_RAND_TRANSFORMS</c> (posterize, solarize, enhance) mostly do not.
/// </summary>
public enum RandAugmentOp
{
    AutoContrast,
    Equalize,
    Invert,
    Rotate,
    PosterizeIncreasing,
    SolarizeIncreasing,
    SolarizeAdd,
    ColorIncreasing,
    ContrastIncreasing,
    BrightnessIncreasing,
    SharpnessIncreasing,
    ShearX,
    ShearY,
    TranslateXRel,
    TranslateYRel,
}

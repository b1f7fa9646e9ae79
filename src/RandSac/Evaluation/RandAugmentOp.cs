namespace RandSac.Evaluation;

/// <summary>The fifteen operations of timm's RandAugment (<c>_RAND_TRANSFORMS</c>).</summary>
public enum RandAugmentOp
{
    AutoContrast,
    Equalize,
    Invert,
    Rotate,
    Posterize,
    Solarize,
    SolarizeAdd,
    Color,
    Contrast,
    Brightness,
    Sharpness,
    ShearX,
    ShearY,
    TranslateXRel,
    TranslateYRel,
}

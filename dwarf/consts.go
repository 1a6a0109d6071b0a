package dwarf

// DWARF constants this package decodes (DWARF 5 §7.5). The tag and
// attribute values are those of debug/dwarf; forms are not exported there.
const (
	tagArrayType      = 0x01
	tagEnumType       = 0x04
	tagEnumerator     = 0x28
	tagMember         = 0x0d
	tagPointerType    = 0x0f
	tagCompileUnit    = 0x11
	tagStructType     = 0x13
	tagSubroutineType = 0x15
	tagTypedef        = 0x16
	tagUnionType      = 0x17
	tagFormalParam    = 0x05
	tagUnspecParams   = 0x18
	tagSubrangeType   = 0x21
	tagBaseType       = 0x24
	tagConstType      = 0x26
	tagVariable       = 0x34
	tagVolatileType   = 0x35
	tagRestrictType   = 0x37
	tagUnspecType     = 0x3b
	tagAtomicType     = 0x47
	tagPartialUnit    = 0x3c
	tagSkeletonUnit   = 0x4a
	tagTypeUnit       = 0x41
)

const (
	atSibling         = 0x01
	atLocation        = 0x02
	atName            = 0x03
	atByteSize        = 0x0b
	atBitOffset       = 0x0c
	atBitSize         = 0x0d
	atConstValue      = 0x1c
	atUpperBound      = 0x2f
	atCount           = 0x37
	atDataMemberLoc   = 0x38
	atDeclaration     = 0x3c
	atEncoding        = 0x3e
	atExternal        = 0x3f
	atSpecification   = 0x47
	atType            = 0x49
	atDataBitOffset   = 0x6b
	atStrOffsetsBase  = 0x72
	atAddrBase        = 0x73
	atLinkageName     = 0x6e
	atMIPSLinkageName = 0x2007
	atAbstractOrigin  = 0x31
	atByteStride      = 0x51
	atBitStride       = 0x2e
	atLowerBound      = 0x22
)

const (
	formAddr          = 0x01
	formBlock2        = 0x03
	formBlock4        = 0x04
	formData2         = 0x05
	formData4         = 0x06
	formData8         = 0x07
	formString        = 0x08
	formBlock         = 0x09
	formBlock1        = 0x0a
	formData1         = 0x0b
	formFlag          = 0x0c
	formSdata         = 0x0d
	formStrp          = 0x0e
	formUdata         = 0x0f
	formRefAddr       = 0x10
	formRef1          = 0x11
	formRef2          = 0x12
	formRef4          = 0x13
	formRef8          = 0x14
	formRefUdata      = 0x15
	formIndirect      = 0x16
	formSecOffset     = 0x17
	formExprloc       = 0x18
	formFlagPresent   = 0x19
	formStrx          = 0x1a
	formAddrx         = 0x1b
	formRefSup4       = 0x1c
	formStrpSup       = 0x1d
	formData16        = 0x1e
	formLineStrp      = 0x1f
	formRefSig8       = 0x20
	formImplicitConst = 0x21
	formLoclistx      = 0x22
	formRnglistx      = 0x23
	formRefSup8       = 0x24
	formStrx1         = 0x25
	formStrx2         = 0x26
	formStrx3         = 0x27
	formStrx4         = 0x28
	formAddrx1        = 0x29
	formAddrx2        = 0x2a
	formAddrx3        = 0x2b
	formAddrx4        = 0x2c
	formGNUAddrIndex  = 0x1f01
	formGNUStrIndex   = 0x1f02
	formGNURefAlt     = 0x1f20
	formGNUStrpAlt    = 0x1f21
)

const (
	opAddr       = 0x03
	opAddrx      = 0xa1
	opPlusUconst = 0x23
	opConsts     = 0x11
	opConstu     = 0x10
	opPlus       = 0x22
)

// Base type encodings (DW_ATE_*).
const (
	ateAddress      = 0x1
	ateBoolean      = 0x2
	ateComplexFloat = 0x3
	ateFloat        = 0x4
	ateSigned       = 0x5
	ateSignedChar   = 0x6
	ateUnsigned     = 0x7
	ateUnsignedChar = 0x8
	ateUTF          = 0x10
)

namespace Referral.Api.Resources;

/// <summary>
/// Marker for the user-facing texts in <c>Messages.resx</c> (English) and its <c>es</c>, <c>pt</c> and <c>fr</c>
/// translations; read them through <see cref="Infrastructure.Texts"/>.
/// </summary>
internal sealed class Messages;

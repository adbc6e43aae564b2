namespace Referral.Api.Infrastructure;

/// <summary>The closed vocabularies of DESIGN.md; the database enforces the same lists with check constraints.</summary>
internal static class Vocabulary
{
    /// <summary>
    /// The codes of the built-in, closed <c>referral-category</c> taxonomy (seed/taxonomy.json holds their names and labels;
    /// imports match them and never add one).
    /// </summary>
    public static readonly string[] Categories = ["police", "helpline", "legal_aid", "social_services", "health", "psychosocial", "shelter", "online_reporting", "justice"];

    public static readonly string[] ServiceStatuses = ["active", "inactive", "defunct", "temporarily closed"];
    public static readonly string[] DeliveryModes = ["in_person", "phone", "sms", "whatsapp", "chat", "email", "online_form", "outreach"];
    public static readonly string[] Audiences = ["child", "caregiver", "professional"];
    public static readonly string[] Genders = ["any", "female", "male", "non_binary", "other"];
    public static readonly string[] Platforms = ["facebook", "whatsapp", "tiktok", "instagram", "telegram", "snapchat", "youtube", "x", "games", "discord", "twitch", "roblox", "other"];
    public static readonly string[] LocationTypes = ["physical", "postal", "virtual"];
    public static readonly string[] Visibilities = ["public", "approximate", "hidden"];
    public static readonly string[] PhoneTypes = ["voice", "sms", "whatsapp", "text", "fax", "cell", "video", "pager", "textphone"];
    public static readonly string[] Weekdays = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
    public static readonly string[] AreaClasses = ["urban", "rural", "mixed"];
    public static readonly string[] SettlementClasses = ["city", "town", "village", "hamlet", "urban_centre", "urban_cluster", "rural"];
    public static readonly string[] FeedbackReasons = ["closed", "wrong_phone", "moved", "other"];
    public static readonly string[] FeedbackStatuses = ["open", "resolved", "dismissed"];

    /// <summary>SQL list literal for a check constraint, e.g. <c>'a', 'b'</c>. Values are our own constants, never input.</summary>
    public static string SqlList(IEnumerable<string> values) => string.Join(", ", values.Select(v => $"'{v}'"));
}

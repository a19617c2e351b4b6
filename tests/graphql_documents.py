"""GraphQL documents shared by tests."""

OPPORTUNITY_FIELDS = """
  id databaseId title description created bidType bidValue perPeriodValue successProbability
  actualCloseDate expectedCloseDate isPrivate canEdit canDelete
  createBy { id displayName title avatarSmall profileUrl }
  responsible { id displayName title avatarSmall profileUrl }
  contact { id displayName isCompany }
  members { id displayName isCompany }
  bidCurrency { abbreviation title symbol cultureName isConvertable isBasic }
  stage { id title description color successProbability stageType sortOrder }
  accessList { id displayName }
  customFields { id fieldId entityId label fieldValue fieldType position mask }
"""

CREATE_OPPORTUNITY = (
    """
mutation Create($input: CreateOpportunityInput!) {
  createOpportunity(input: $input) {
    errors { code field message }
    opportunity { %s }
  }
}
"""
    % OPPORTUNITY_FIELDS
)

OPPORTUNITY = (
    """
query One($id: ID!) { opportunity(id: $id) { %s } }
"""
    % OPPORTUNITY_FIELDS
)

CREATE_CONTACT = """
mutation CreateContact($input: CreateContactInput!) {
  createContact(input: $input) {
    errors { code field message }
    contact { id databaseId displayName isCompany isPrivate isShared shareType canEdit canDelete
              firstName lastName companyName smallFotoUrl mediumFotoUrl
              accessList { id } currency { abbreviation } createBy { id } }
  }
}
"""

CREATE_FIELD = """
mutation CreateField($input: CreateCustomFieldDefinitionInput!) {
  createCustomFieldDefinition(input: $input) {
    errors { code field message }
    customFieldDefinition { id databaseId label fieldType position mask entityType }
  }
}
"""

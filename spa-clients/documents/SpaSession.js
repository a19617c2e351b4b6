// The documents the scripted SPA sessions send, shared by Apollo Client, urql and Relay.
// relay-compiler validates them against ../schema.graphql (Relay names operations after the
// module: SpaSession...Query / ...Mutation). The tag only returns the text, so Apollo and urql
// parse the very documents Relay checked.
const graphql = (strings) => strings[0];

export const ME = graphql`
  query SpaSessionMeQuery {
    me { id databaseId displayName }
  }
`;

export const CREATE = graphql`
  mutation SpaSessionCreateMutation($input: CreateOpportunityInput!) {
    createOpportunity(input: $input) {
      errors { code field message }
      opportunity { id title stage { id title } }
    }
  }
`;

export const PAGE = graphql`
  query SpaSessionPageQuery($search: String!, $first: Int, $after: String) {
    opportunities(
      filter: {search: $search}, orderBy: [{field: TITLE}], first: $first, after: $after
    ) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id title bidValue stage { id title } } }
    }
  }
`;

// One deal as a component shows it; Relay makes SpaSessionDealRefetchQuery from it, which
// reads the deal again through node(id:) by its global id.
export const DEAL = graphql`
  fragment SpaSession_deal on Opportunity
  @refetchable(queryName: "SpaSessionDealRefetchQuery") {
    id title bidValue
  }
`;

export const RENAME = graphql`
  mutation SpaSessionRenameMutation($input: UpdateOpportunityInput!) {
    updateOpportunity(input: $input) {
      errors { code field message }
      opportunity { id title bidValue }
    }
  }
`;

export const COUNT = graphql`
  query SpaSessionCountQuery($search: String!) {
    opportunities(filter: {search: $search}) { totalCount }
  }
`;


export const CREATE_FIELD = graphql`
  mutation SpaSessionCreateFieldMutation($input: CreateCustomFieldDefinitionInput!) {
    createCustomFieldDefinition(input: $input) {
      errors { code field message }
      customFieldDefinition { id label }
    }
  }
`;

export const CUSTOM_FIELDS = graphql`
  query SpaSessionCustomFieldsQuery($search: String!) {
    opportunities(filter: {search: $search}, orderBy: [{field: TITLE}], first: 10) {
      edges { node { id title customFields { id label fieldValue } } }
    }
  }
`;

// Two tabs editing one deal: a patch carrying the version its tab read.
export const VERSIONED = graphql`
  query SpaSessionVersionedQuery($search: String!) {
    opportunities(filter: {search: $search}, first: 1) {
      edges { node { id title description version } }
    }
  }
`;

export const PATCH = graphql`
  mutation SpaSessionPatchMutation($input: UpdateOpportunityInput!) {
    updateOpportunity(input: $input) {
      errors { code field message }
      opportunity { id title description version }
    }
  }
`;

export const EVENTS = graphql`
  subscription SpaSessionEventsSubscription($search: String!) {
    opportunityEvents(filter: {search: $search}) {
      kind opportunityId version changed
      opportunity { id title }
    }
  }
`;

export const DELETE = graphql`
  mutation SpaSessionDeleteMutation($input: DeleteOpportunityInput!) {
    deleteOpportunity(input: $input) {
      errors { code }
      deletedOpportunities { id }
    }
  }
`;

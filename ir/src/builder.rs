pub struct Builder;
